"""`python -m matchgate` runs the command-line interface."""

from matchgate.cli.app import main

main()
