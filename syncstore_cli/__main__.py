from syncstore_cli.cli.app import main

main()
