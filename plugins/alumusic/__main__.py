from alumusic.cli import main

main()
