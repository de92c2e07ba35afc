"""calmline.spark: the ETL on Apache Spark (``calmline etl --engine spark``), for data past one machine.

pyspark is an optional extra (``pip install 'calmline[spark]'``) and is imported only when a
Spark load runs: the rest of calmline works without it. :func:`calmline.spark.load.load` is
the entry point.
"""
