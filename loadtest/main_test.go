package loadtest

import (
	"testing"

	"labgrid/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
