"""The Gradio app (a front end): `layout` builds the page, `handlers` answer its events by calling the tools and
the assistant, `render` turns results into what the page shows, `suggest` fills the gene box, `options` holds the
`gsfm app` options, and `launcher` runs the app in a child process (tests, screenshots)."""
