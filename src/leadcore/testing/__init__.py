"""What applications that embed leadcore test with: adapter contract suite, strategies."""
