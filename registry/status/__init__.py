"""`trackplan status`: the tracking calls an application's code makes, held against a plan."""
