package views

import "time"

// ClassItem is one class of the instructor's home page.
type ClassItem struct {
	Name     string // the class's name, as in its URLs
	Students int
	// LastScanned is the latest scan of any of its students; zero when
	// none was ever scanned.
	LastScanned time.Time
}

// Classes is the instructor's home page when there is not exactly one
// class (one class redirects to its grid): the list of classes by name, or
// with none, how to create one.
type Classes struct {
	Page
	Classes []ClassItem
}
