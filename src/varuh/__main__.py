from varuh.cli import main

main()
