"""``python -m alumusic``: the operator CLI."""

if __name__ == "__main__":
    from alumusic.cli import main

    main()
