"""``python -m netvigil.cli`` runs the command line."""

from netvigil.cli.main import main

main()
