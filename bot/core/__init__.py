"""The pure core: snapshot in, verdict and rendered reports out; no network, database, clock or process."""
