"""Open data: OCDS 1.1.5 releases, records, packages and bulk files of the public platform."""
