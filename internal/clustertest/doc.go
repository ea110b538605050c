// Package clustertest proves the several-node set-up of scripts/cluster.sh
// under load and faults: checkout through HAProxy while a marketd is killed
// with -9 and restarted, a Redis master is killed, and the replica stops;
// then no paid order lost, nothing oversold, a clean audit, sessions valid
// on every node, a price changed on one node served by all within a second,
// and river's jobs run once across the nodes.
//
// Its test needs the build tag "cluster" and a running cluster:
//
//	scripts/cluster.sh up && scripts/cluster-test.sh && scripts/cluster.sh down
//
// so the default test run never starts one.
package clustertest
