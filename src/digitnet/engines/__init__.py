"""Engines: the ways an epoch of mini-batch SGD runs, and the one table that picks one."""
