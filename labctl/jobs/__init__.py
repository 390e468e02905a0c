"""Drive the Hadoop Streaming jobs of jobs/: locally (map, sort, reduce in processes) or on YARN.

The job scripts themselves live in jobs/ as flat standard-library modules, because they are
shipped to the NodeManagers with ``-files``; this package only reads their step definitions
(jobs/steps.json), runs them, and turns their output into the metric document.
"""
