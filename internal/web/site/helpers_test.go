package site_test

import "regexp"

func regexpFind(s, pattern string) string { return regexp.MustCompile(pattern).FindString(s) }
