"""`python -m fairdebt` runs the command-line interface."""

from fairdebt.cli import main

main()
