// Package docslinks checks the links of the generated documentation (docs/): every
// relative link must resolve when docs/ is browsed as files, in the repository, as the
// README invites; its test runs with `make test`.
package docslinks
