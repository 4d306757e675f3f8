package devpg

import (
	"context"
	"errors"
	"fmt"
)

// Halt shuts the server down (fast: sessions are disconnected) but keeps
// its data and its port, so that Resume brings the same database back: a
// database outage, for tests of what survives one. Halt and Resume must not
// be called concurrently with each other or with Stop.
func (c *Cluster) Halt(ctx context.Context) error {
	if c.cmd == nil {
		return errors.New("halt postgres: not running")
	}
	// Cut short by ctx, it is an immediate shutdown: the restart then
	// recovers from the WAL.
	if _, err := c.shutdown(ctx); err != nil {
		return fmt.Errorf("halt postgres: %w", err)
	}
	c.cmd = nil
	c.logger.Info("throwaway PostgreSQL halted", "port", c.port)
	return nil
}

// Resume starts a halted server again on the port it had, and returns once
// it accepts connections.
func (c *Cluster) Resume(ctx context.Context) error {
	if c.cmd != nil {
		return errors.New("resume postgres: already running")
	}
	if err := c.start(ctx, c.port); err != nil {
		return fmt.Errorf("resume postgres: %w", err)
	}
	c.logger.Info("throwaway PostgreSQL resumed", "port", c.port)
	return nil
}
