"""Alert rules and channels (webhook, e-mail, Atom)."""
