import unittest

from firethorn.settings import Settings, SettingsError

PASSWORDS = {"CATALOGUE_PASSWORD": "c", "METADATA_PASSWORD": "m"}


class SettingsTest(unittest.TestCase):
    def test_defaults_reach_the_catalogue_through_its_ambassador(self):
        settings = Settings.from_environment(PASSWORDS)
        self.assertEqual((settings.catalogue.host, settings.catalogue.dbname, settings.catalogue.user), ("catalogue", "catalogue", "firethorn"))
        self.assertEqual((settings.metadata.host, settings.metadata.dbname), ("metadata", "firethorn"))
        self.assertEqual((settings.port, settings.row_limit, settings.timeout_seconds), (8080, 10_000, 30.0))

    def test_values_from_the_environment(self):
        settings = Settings.from_environment({**PASSWORDS, "ROW_LIMIT": "50", "QUERY_TIMEOUT": "2.5", "CATALOGUE_HOST": "pgcat", "CATALOGUE_PORT": "6432"})
        self.assertEqual((settings.row_limit, settings.timeout_seconds), (50, 2.5))
        self.assertEqual(settings.catalogue.connect_args(), {"host": "pgcat", "port": 6432, "dbname": "catalogue", "user": "firethorn", "password": "c"})

    def test_a_missing_password_or_a_bad_number_is_named(self):
        with self.assertRaisesRegex(SettingsError, "METADATA_PASSWORD"):
            Settings.from_environment({"CATALOGUE_PASSWORD": "c"})
        with self.assertRaisesRegex(SettingsError, "ROW_LIMIT='many'"):
            Settings.from_environment({**PASSWORDS, "ROW_LIMIT": "many"})
        with self.assertRaisesRegex(SettingsError, "WORKERS='0' must be more than zero"):
            Settings.from_environment({**PASSWORDS, "WORKERS": "0"})


if __name__ == "__main__":
    unittest.main()
