"""arq workers: gather, evaluate, publish, record."""
