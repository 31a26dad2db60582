"""Planning, pure: the model's dependency edges and graph, and what to do to each service's
containers given what is observed. No I/O; imports nothing but the model (composer.config)."""
