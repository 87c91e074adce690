"""The ``netvigil`` command line: typer commands over the layers below."""
