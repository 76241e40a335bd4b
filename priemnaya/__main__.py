from priemnaya.cli import main

main()
