"""The criteria algebra of the Find screen: build, normalize, evaluate, text, JSON."""
