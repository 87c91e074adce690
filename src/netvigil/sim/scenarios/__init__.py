"""Synthetic, labelled scenarios: ground-truth timelines, realistic signals drawn from them, labels."""
