// UI text in English and Simplified Chinese. Components call t("key", {params}) only.

const en = {
  "app.name": "Lianxin",
  "app.tagline": "Open, self-hostable messaging",
  "conn.connecting": "Connecting…",
  "conn.offline": "Offline — messages will be sent when you reconnect",
  "conn.syncing": "Updating…",

  "signin.title": "Sign in to Lianxin",
  "signin.phone": "Phone number",
  "signin.phone_hint": "With country code, e.g. +86 138 0013 8000",
  "signin.send_code": "Send code",
  "signin.code": "Sign-in code",
  "signin.code_sent": "We sent a code to {phone}.",
  "signin.verify": "Sign in",
  "signin.change_phone": "Use another number",
  "signin.resend": "Send again",
  "signin.resend_in": "Send again in {s}s",
  "signin.welcome": "Welcome to Lianxin",
  "signin.name_prompt": "What should your friends call you?",
  "signin.name": "Your name",
  "signin.continue": "Continue",

  "nav.chats": "Chats",
  "nav.friends": "Friends",
  "nav.me": "Me",
  "nav.back": "Back",

  "chats.search": "Search",
  "chats.empty": "No chats yet. Add a friend to start talking.",
  "chats.no_match": "No chats match “{q}”.",
  "chats.new_group": "New group",
  "chats.muted": "Muted",
  "chats.pinned": "Pinned",
  "chats.draft": "Draft",
  "chats.left": "You left this group",
  "chats.select": "Select a chat to start messaging",

  "msg.placeholder": "Message",
  "msg.send": "Send",
  "msg.reply": "Reply",
  "msg.recall": "Recall",
  "msg.copy": "Copy",
  "msg.cancel_reply": "Cancel reply",
  "msg.replying_to": "Replying to {name}",
  "msg.unknown_quote": "a message",
  "msg.recalled_me": "You recalled a message",
  "msg.recalled": "{name} recalled a message",
  "msg.sending": "Sending",
  "msg.sent": "Sent",
  "msg.delivered": "Delivered",
  "msg.read": "Read",
  "msg.failed": "Not sent",
  "msg.retry": "Retry",
  "msg.discard": "Delete",
  "msg.queued": "Waiting for connection",
  "msg.load_more": "Loading earlier messages…",
  "msg.beginning": "This is the beginning of the chat",
  "msg.typing": "typing…",
  "msg.typing_name": "{name} is typing…",
  "msg.new_messages": "New messages",
  "msg.forwarded": "Forwarded",
  "msg.not_member": "You are no longer a member of this group.",
  "msg.actions": "Message actions",

  "day.today": "Today",
  "day.yesterday": "Yesterday",

  "presence.online": "online",
  "presence.last_seen": "last seen {when}",
  "presence.last_seen_today": "last seen today at {time}",
  "presence.last_seen_yesterday": "last seen yesterday at {time}",
  "presence.recently": "last seen recently",
  "group.members_count": "{n} members",

  "sys.created": "{by} created the group “{title}”",
  "sys.members_added": "{by} added {users}",
  "sys.member_removed": "{by} removed {user}",
  "sys.member_left": "{user} left the group",
  "sys.new_owner": "{user} is now the group owner",
  "sys.renamed": "{by} renamed the group to “{title}”",
  "sys.announcement": "{by} updated the announcement: {text}",
  "sys.announcement_cleared": "{by} removed the announcement",
  "sys.role_changed": "{by} made {user} {role}",
  "sys.friends": "You are now friends. Say hello!",
  "sys.unknown": "Chat updated",
  "sys.you": "You",
  "sys.you_lower": "you",
  "sys.someone": "Someone",
  "sys.and": " and ",
  "role.owner": "owner",
  "role.admin": "admin",
  "role.member": "member",

  "friends.title": "Friends",
  "friends.add": "Add friend",
  "friends.add_hint": "Lianxin ID or phone number",
  "friends.find": "Find",
  "friends.greeting": "Greeting",
  "friends.greeting_default": "Hi, I'm {name}",
  "friends.send_request": "Send friend request",
  "friends.request_sent": "Request sent to {name}",
  "friends.already": "{name} is already your friend",
  "friends.requests": "Friend requests",
  "friends.outgoing": "Waiting for reply",
  "friends.accept": "Accept",
  "friends.decline": "Decline",
  "friends.cancel": "Cancel",
  "friends.none": "No friends yet. Find people by their Lianxin ID or phone number.",
  "friends.message": "Message",
  "friends.self": "That's you",
  "friends.wants": "wants to be your friend",

  "group.new": "New group",
  "group.name": "Group name",
  "group.pick": "Choose members",
  "group.create": "Create group",
  "group.need_friends": "Add some friends first — groups start with your friends.",
  "group.selected": "{n} selected",
  "group.info": "Chat info",
  "group.members": "Members",
  "group.rename": "Group name",
  "group.save": "Save",
  "group.announcement": "Announcement",
  "group.announcement_none": "No announcement",
  "group.announcement_admin_only": "Only the owner or an admin can change it.",
  "group.add_members": "Add members",
  "group.add": "Add",
  "group.leave": "Leave group",
  "group.leave_confirm": "Leave this group? You will stop receiving its messages.",
  "group.mute": "Mute notifications",
  "group.pin": "Pin to top",
  "group.saved": "Saved",
  "group.no_more_friends": "All your friends are already here.",

  "me.title": "Me",
  "me.name": "Name",
  "me.handle": "Lianxin ID",
  "me.handle_hint": "4–32 letters, digits or _, starting with a letter",
  "me.handle_none": "not set",
  "me.bio": "What's up",
  "me.phone": "Phone",
  "me.save": "Save",
  "me.saved": "Profile saved",
  "me.language": "Language",
  "me.devices": "Devices",
  "me.this_device": "This device",
  "me.last_active": "active {when}",
  "me.sign_out_device": "Sign out",
  "me.sign_out": "Sign out",
  "me.sign_out_others": "Sign out all other devices",
  "me.about": "About",

  "err.network": "Can't reach the server. Check your connection and try again.",
  "err.bad_request": "That didn't look right. Please check and try again.",
  "err.invalid_phone": "That phone number doesn't look valid. Include the country code, like +86.",
  "err.invalid_code": "That code is not right. Check the SMS and try again.",
  "err.code_expired": "That code has expired. Ask for a new one.",
  "err.too_many_attempts": "Too many wrong codes. Ask for a new one.",
  "err.rate_limited": "Too many tries. Please wait a moment.",
  "err.unauthorized": "Your session has ended. Please sign in again.",
  "err.forbidden": "You can't do that.",
  "err.not_found": "Not found.",
  "err.handle_taken": "That Lianxin ID is taken. Try another.",
  "err.invalid_handle": "A Lianxin ID is 4–32 letters, digits or _, starting with a letter.",
  "err.already_friends": "You are already friends.",
  "err.blocked": "You can't message this person.",
  "err.not_friends": "Add this person as a friend first.",
  "err.not_member": "You are not in this chat.",
  "err.member_limit": "The group is full.",
  "err.not_allowed": "Only the group owner or an admin can do that.",
  "err.recall_expired": "Messages can only be recalled within 2 minutes.",
  "err.text_too_long": "That message is too long.",
  "err.frame_too_large": "That message is too long.",
  "err.bad_frame": "Something went wrong. Please try again.",
  "err.conflict": "That changed meanwhile. Please try again.",
  "err.sms_failed": "We couldn't send the SMS. Try again in a moment.",
  "err.internal": "Something went wrong on the server. Please try again.",
  "err.timeout": "The server took too long to answer. Try again.",
  "err.unknown": "Something went wrong. Please try again.",
  "err.no_one_found": "No one found with that Lianxin ID or phone number.",

  "time.just_now": "just now",
  "time.minutes_ago": "{n} min ago",
  "time.hours_ago": "{n} h ago",
  "common.close": "Close",
  "common.cancel": "Cancel",
  "common.ok": "OK",
} as const;

export type MessageKey = keyof typeof en;
type Dict = Record<MessageKey, string>;

const zh: Dict = {
  "app.name": "连信",
  "app.tagline": "开放、可自建的即时通讯",
  "conn.connecting": "连接中…",
  "conn.offline": "已离线 — 重新连接后将自动发送消息",
  "conn.syncing": "收取中…",

  "signin.title": "登录连信",
  "signin.phone": "手机号",
  "signin.phone_hint": "请带国家区号，例如 +86 138 0013 8000",
  "signin.send_code": "获取验证码",
  "signin.code": "验证码",
  "signin.code_sent": "验证码已发送至 {phone}。",
  "signin.verify": "登录",
  "signin.change_phone": "更换手机号",
  "signin.resend": "重新发送",
  "signin.resend_in": "{s} 秒后可重新发送",
  "signin.welcome": "欢迎使用连信",
  "signin.name_prompt": "朋友们该怎么称呼你？",
  "signin.name": "你的名字",
  "signin.continue": "继续",

  "nav.chats": "消息",
  "nav.friends": "通讯录",
  "nav.me": "我",
  "nav.back": "返回",

  "chats.search": "搜索",
  "chats.empty": "还没有聊天。添加好友开始聊天吧。",
  "chats.no_match": "没有与“{q}”匹配的聊天。",
  "chats.new_group": "发起群聊",
  "chats.muted": "免打扰",
  "chats.pinned": "置顶",
  "chats.draft": "草稿",
  "chats.left": "你已退出该群聊",
  "chats.select": "选择一个聊天开始发消息",

  "msg.placeholder": "发消息",
  "msg.send": "发送",
  "msg.reply": "引用",
  "msg.recall": "撤回",
  "msg.copy": "复制",
  "msg.cancel_reply": "取消引用",
  "msg.replying_to": "回复 {name}",
  "msg.unknown_quote": "一条消息",
  "msg.recalled_me": "你撤回了一条消息",
  "msg.recalled": "“{name}”撤回了一条消息",
  "msg.sending": "发送中",
  "msg.sent": "已发送",
  "msg.delivered": "已送达",
  "msg.read": "已读",
  "msg.failed": "发送失败",
  "msg.retry": "重试",
  "msg.discard": "删除",
  "msg.queued": "等待网络连接",
  "msg.load_more": "正在加载更早的消息…",
  "msg.beginning": "以上是全部聊天记录",
  "msg.typing": "对方正在输入…",
  "msg.typing_name": "{name} 正在输入…",
  "msg.new_messages": "新消息",
  "msg.forwarded": "转发",
  "msg.not_member": "你已不在该群聊中。",
  "msg.actions": "消息操作",

  "day.today": "今天",
  "day.yesterday": "昨天",

  "presence.online": "在线",
  "presence.last_seen": "最后在线 {when}",
  "presence.last_seen_today": "今天 {time} 在线",
  "presence.last_seen_yesterday": "昨天 {time} 在线",
  "presence.recently": "最近在线",
  "group.members_count": "{n} 位成员",

  "sys.created": "{by}创建了群聊“{title}”",
  "sys.members_added": "{by}邀请{users}加入了群聊",
  "sys.member_removed": "{by}将{user}移出了群聊",
  "sys.member_left": "{user}退出了群聊",
  "sys.new_owner": "{user}已成为新群主",
  "sys.renamed": "{by}修改群名为“{title}”",
  "sys.announcement": "{by}更新了群公告：{text}",
  "sys.announcement_cleared": "{by}清除了群公告",
  "sys.role_changed": "{by}将{user}设为{role}",
  "sys.friends": "你们已成为好友，现在可以开始聊天了。",
  "sys.unknown": "聊天已更新",
  "sys.you": "你",
  "sys.you_lower": "你",
  "sys.someone": "有人",
  "sys.and": "、",
  "role.owner": "群主",
  "role.admin": "管理员",
  "role.member": "成员",

  "friends.title": "通讯录",
  "friends.add": "添加朋友",
  "friends.add_hint": "连信号或手机号",
  "friends.find": "查找",
  "friends.greeting": "打招呼",
  "friends.greeting_default": "你好，我是{name}",
  "friends.send_request": "发送好友申请",
  "friends.request_sent": "已向 {name} 发送好友申请",
  "friends.already": "{name} 已经是你的好友",
  "friends.requests": "新的朋友",
  "friends.outgoing": "等待验证",
  "friends.accept": "接受",
  "friends.decline": "拒绝",
  "friends.cancel": "撤销",
  "friends.none": "还没有好友。通过连信号或手机号查找朋友吧。",
  "friends.message": "发消息",
  "friends.self": "这是你自己",
  "friends.wants": "请求添加你为朋友",

  "group.new": "发起群聊",
  "group.name": "群聊名称",
  "group.pick": "选择成员",
  "group.create": "创建群聊",
  "group.need_friends": "先添加一些好友吧 — 群聊从好友开始。",
  "group.selected": "已选 {n} 人",
  "group.info": "聊天信息",
  "group.members": "群成员",
  "group.rename": "群聊名称",
  "group.save": "保存",
  "group.announcement": "群公告",
  "group.announcement_none": "暂无公告",
  "group.announcement_admin_only": "只有群主或管理员可以修改。",
  "group.add_members": "添加成员",
  "group.add": "添加",
  "group.leave": "退出群聊",
  "group.leave_confirm": "确定退出该群聊？退出后将不再接收群消息。",
  "group.mute": "消息免打扰",
  "group.pin": "置顶聊天",
  "group.saved": "已保存",
  "group.no_more_friends": "你的好友都已在群里。",

  "me.title": "我",
  "me.name": "名字",
  "me.handle": "连信号",
  "me.handle_hint": "4–32 位字母、数字或下划线，以字母开头",
  "me.handle_none": "未设置",
  "me.bio": "个性签名",
  "me.phone": "手机号",
  "me.save": "保存",
  "me.saved": "资料已保存",
  "me.language": "语言",
  "me.devices": "登录设备",
  "me.this_device": "本机",
  "me.last_active": "{when}活跃",
  "me.sign_out_device": "退出",
  "me.sign_out": "退出登录",
  "me.sign_out_others": "退出其他所有设备",
  "me.about": "关于",

  "err.network": "无法连接服务器，请检查网络后重试。",
  "err.bad_request": "输入有误，请检查后重试。",
  "err.invalid_phone": "手机号格式不正确，请带上国家区号，例如 +86。",
  "err.invalid_code": "验证码不正确，请核对短信后重试。",
  "err.code_expired": "验证码已过期，请重新获取。",
  "err.too_many_attempts": "验证码错误次数过多，请重新获取。",
  "err.rate_limited": "操作太频繁，请稍后再试。",
  "err.unauthorized": "登录已失效，请重新登录。",
  "err.forbidden": "你无权进行此操作。",
  "err.not_found": "未找到。",
  "err.handle_taken": "该连信号已被占用，换一个试试。",
  "err.invalid_handle": "连信号为 4–32 位字母、数字或下划线，以字母开头。",
  "err.already_friends": "你们已经是好友了。",
  "err.blocked": "无法给对方发送消息。",
  "err.not_friends": "请先添加对方为好友。",
  "err.not_member": "你不在该聊天中。",
  "err.member_limit": "群成员已满。",
  "err.not_allowed": "只有群主或管理员可以这样做。",
  "err.recall_expired": "只能撤回 2 分钟内的消息。",
  "err.text_too_long": "消息太长了。",
  "err.frame_too_large": "消息太长了。",
  "err.bad_frame": "出了点问题，请重试。",
  "err.conflict": "内容已变化，请重试。",
  "err.sms_failed": "短信发送失败，请稍后再试。",
  "err.internal": "服务器出错了，请重试。",
  "err.timeout": "服务器响应超时，请重试。",
  "err.unknown": "出了点问题，请重试。",
  "err.no_one_found": "没有找到该连信号或手机号对应的用户。",

  "time.just_now": "刚刚",
  "time.minutes_ago": "{n} 分钟前",
  "time.hours_ago": "{n} 小时前",
  "common.close": "关闭",
  "common.cancel": "取消",
  "common.ok": "确定",
};

export type Lang = "en" | "zh";
export const LANGS: { code: Lang; label: string }[] = [
  { code: "en", label: "English" },
  { code: "zh", label: "简体中文" },
];

const dicts: Record<Lang, Dict> = { en, zh };
const LANG_KEY = "lx.lang";

export function detectLang(navLang: string | undefined, saved: string | null): Lang {
  if (saved === "en" || saved === "zh") return saved;
  return navLang && navLang.toLowerCase().startsWith("zh") ? "zh" : "en";
}

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

let current: Lang = detectLang(
  typeof navigator === "undefined" ? undefined : navigator.language,
  storage()?.getItem(LANG_KEY) ?? null,
);
const listeners = new Set<() => void>();

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  current = lang;
  storage()?.setItem(LANG_KEY, lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  listeners.forEach((fn) => fn());
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The text for `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dicts[current][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

export function hasKey(key: string): key is MessageKey {
  return key in en;
}

export const _dicts = dicts; // for tests: both languages have every key
