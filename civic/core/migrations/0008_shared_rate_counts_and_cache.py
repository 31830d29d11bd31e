"""Rate limits counted in the database (civic.core.rates), and the table of Django's database cache.

The cache table is the one `manage.py createcachetable` makes for settings.CACHES
(DatabaseCache, LOCATION "civic_cache"), made here so that `migrate` alone sets up
an installation; an installation that ran createcachetable already keeps its table.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations, models

CACHE_TABLE = "civic_cache"  # settings.CACHE_TABLE


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_merge_user_links_job_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True, verbose_name="counted calls")),
                ("count", models.PositiveIntegerField(verbose_name="calls in the window")),
                (
                    "window_ends",
                    models.BigIntegerField(db_index=True, verbose_name="end of the window (seconds since 1970)"),
                ),
            ],
            options={
                "verbose_name": "rate count",
                "verbose_name_plural": "rate counts",
            },
        ),
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
