"""The readers: the project's files (report.yaml, styles, data, chapter templates, Markdown) → the document model and the dataset."""
