"""Documents a person reads, rendered from the model alone: the privacy notice (HTML, Markdown,
PDF), the Art. 30 record (CSV, XLSX, HTML). `wording` holds the phrases and number/date forms,
`render` the shared Jinja environment, PDF and file writing; templates live in `templates/`."""
