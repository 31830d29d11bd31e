"""Number formats for Chinese pages: Django's zh_Hans formats, with figures grouped in thousands.

Django's own zh_Hans formats leave figures ungrouped; the bureau's notices and
spreadsheets write 121,367 m³, grouped in threes with a comma, and so do the pages.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403  (every other format as Django has it)

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
