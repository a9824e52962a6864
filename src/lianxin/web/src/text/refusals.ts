// Why a privacy setting or block refused something: one line per server `reason`
// (docs/protocol.md, "Refusal reasons"). errorText() prefers these over the code's text.
export const en = {
  "reason.privacy_nobody": "This person doesn't accept friend requests.",
  "reason.privacy_friends_of_friends": "This person only accepts friend requests from friends of their friends.",
  "reason.blocked": "This person isn't accepting messages or friend requests from you.",
  "reason.blocked_by_me": "You blocked this person. Unblock them first.",
  "reason.strangers_off": "This person only takes messages from friends. Send a friend request first.",
  "reason.phone_unlisted_or_unknown": "No one found with this number. They may not use Lianxin, or may not let others find them by phone number.",
  "reason.id_unlisted_or_unknown": "No one found with this Lianxin ID. Check the spelling; they may also have turned off being found by ID.",
  "reason.nearby_not_sharing": "Share your position to see people nearby and say hi.",
  "reason.not_nearby": "This person is no longer nearby.",
};

export const zh: Record<keyof typeof en, string> = {
  "reason.privacy_nobody": "对方不接受好友申请。",
  "reason.privacy_friends_of_friends": "对方只接受朋友的朋友的好友申请。",
  "reason.blocked": "对方不接受你的消息或好友申请。",
  "reason.blocked_by_me": "你已屏蔽此人，请先取消屏蔽。",
  "reason.strangers_off": "对方只接收好友的消息，请先发送好友申请。",
  "reason.phone_unlisted_or_unknown": "未找到使用此手机号的用户。对方可能没有使用连信，或关闭了通过手机号找到我。",
  "reason.id_unlisted_or_unknown": "未找到此连信号。请检查拼写；对方也可能关闭了通过连信号找到我。",
  "reason.nearby_not_sharing": "分享你的位置后才能查看附近的人并打招呼。",
  "reason.not_nearby": "对方已不在附近。",
};
