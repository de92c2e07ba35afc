"""The query explorer engine: the statement gate, the sandbox, the saved-query library and the data dictionary."""
