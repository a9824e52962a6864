from lianxin.cli import main

main(prog_name="lianxin")
