from frugalbench.cli.main import main

main()
