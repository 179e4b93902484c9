"""The synthetic CIN world: simulate children and cases, damage the records, write raw files
and the truth behind them."""
