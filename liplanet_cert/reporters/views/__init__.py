"""Console views of core objects that are not a ``Result``: a footprint, a passport, a pack diff or
impact, a verification, a batch summary, the criteria catalogues.  Each module holds one
:class:`~liplanet_cert.reporters.views.base.View`; the CLI hands the object to it and never renders
itself."""
