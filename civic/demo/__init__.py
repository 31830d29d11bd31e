"""The demo county: a deterministic county modelled on Wujin District, loaded by `manage.py load_demo`.

Everything the demo makes up (regions, water users and their readings, dogs, firms, projects, balance
tests, farmland) lives here and nowhere else; the services' production modules import nothing from
this package. `load_metering_demo` adds a month of smart-meter readings to a loaded demo county, and
`check_demo_database` tells whether a database is the demo's.
"""
