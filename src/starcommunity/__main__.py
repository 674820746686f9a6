from starcommunity.cli import main

main()
