import unittest

from firethorn.sqlguard import MAX_LENGTH, RejectedQuery, checked_select, code_words


class CheckedSelectTest(unittest.TestCase):
    def test_queries_that_read_pass_unchanged(self):
        for sql in ("SELECT 1", "with t as (select 1) select * from t", "VALUES (1), (2)", "TABLE stars", "  select\n1  "):
            self.assertEqual(checked_select(sql), sql)

    def test_a_final_semicolon_is_cut_even_before_a_comment(self):
        self.assertEqual(checked_select("SELECT 1 ;  "), "SELECT 1 ")
        self.assertEqual(checked_select("SELECT 1; -- done\n"), "SELECT 1")

    def test_empty_and_comment_only_queries_are_rejected(self):
        for sql in ("", "   ", "-- nothing\n", "/* nothing */", ";"):
            with self.assertRaisesRegex(RejectedQuery, "empty"):
                checked_select(sql)

    def test_a_second_statement_is_rejected(self):
        with self.assertRaisesRegex(RejectedQuery, "one statement"):
            checked_select("SELECT 1; DROP TABLE stars")

    def test_statements_other_than_select_are_named(self):
        for sql, word in (("DELETE FROM stars", "DELETE"), ("drop table stars", "drop"), ("COPY stars TO '/tmp/x'", "COPY"), ("set role postgres", "set")):
            with self.assertRaisesRegex(RejectedQuery, f"starts with {word}"):
                checked_select(sql)

    def test_writes_hidden_in_a_select_are_rejected(self):
        for sql, word in (("WITH gone AS (DELETE FROM stars RETURNING *) SELECT * FROM gone", "DELETE"),
                          ("SELECT * INTO copy FROM stars", "INTO"),
                          ("SELECT * FROM stars FOR UPDATE", "UPDATE")):  # fmt: skip
            with self.assertRaisesRegex(RejectedQuery, word):
                checked_select(sql)

    def test_semicolons_and_keywords_inside_strings_names_and_comments_do_not_count(self):
        for sql in ("SELECT ';delete' AS x", 'SELECT 1 AS "drop; into"', "SELECT 1 -- ; delete\n", "SELECT /* ; /* nested ; */ insert */ 1",
                    "SELECT $$; delete$$", "SELECT $q$ ; $$ ; $q$", "SELECT E'it\\'s; delete'", "SELECT 'it''s; into'"):  # fmt: skip
            self.assertEqual(checked_select(sql), sql)

    def test_an_unterminated_string_hides_the_rest(self):
        with self.assertRaisesRegex(RejectedQuery, "empty|starts with"):
            checked_select("'SELECT 1")

    def test_very_long_queries_are_rejected(self):
        with self.assertRaisesRegex(RejectedQuery, "limit"):
            checked_select("SELECT " + "1" * MAX_LENGTH)


class CodeWordsTest(unittest.TestCase):
    def test_words_carry_their_positions_and_dollar_signs_in_names_are_kept(self):
        words, semicolons = code_words("select a$1, 'b' from t;")
        self.assertEqual(words, [(0, "select"), (7, "a$1"), (16, "from"), (21, "t")])
        self.assertEqual(semicolons, [22])


if __name__ == "__main__":
    unittest.main()
