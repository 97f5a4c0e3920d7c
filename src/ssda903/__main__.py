"""`python -m ssda903` runs the command line, as `ssda903` does."""

from ssda903.cli import main

main()
