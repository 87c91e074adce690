"""Vantage-point code that touches the network: the block prober and the reachability tests."""
