"""The words the plugin puts on pages: ``LABELS``, in English; the ``labels`` option gives
each language its own (``labels: {zh: {failed: ...}}``)."""

from mkdocs.structure.pages import Page

LABELS = {
    "notebook": "Download this page as a Jupyter notebook",
    "script": "or as a Python script",
    "failed": "This example failed when the site was built",
    "truncated": "Output cut here: {count:,} more characters were printed.",
    "summary": "model summary",  # the name a screen reader gives a summary's table
    # An image's alt text: what a plot_model diagram or a chart shows, else its name.
    "model": "Diagram of the model: input {inputs}, output {outputs}; {layers}",
    "layers_in_order": "its layers in order: {layers}",
    "layers_by_kind": "{count} layers: {layers}",
    "chart": "Chart: {texts}",
    "image": "Image written by the example: {name}",
    "value": "Image of the value the example shows",
    "separator": ", ",
    # After an API entry, and after a listing that includes a definition's source.
    "used_on": "Used on these pages: {pages}.",
    "used_on_block": "`{name}` is also used on these pages: {pages}.",
    # Under a page's outputs: what produced them, from the run's record.
    "provenance": "The outputs on this page were produced on {date} by {versions}, "
    "in {seconds:.1f} s.",
}


def page_language(page: Page) -> str:
    """The first folder of the page's file under ``docs/``: its language with
    mkdocs-static-i18n (``en`` for ``en/vgg.md``)."""
    return page.file.src_uri.split("/", 1)[0]
