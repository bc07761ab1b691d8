// Package system holds the commands about the engine as a whole: version,
// info, events, the typed inspect, system df and prune, login and logout,
// and the "system" group. It is the one command package that uses others
// (container, image, network, volume), for inspect, prune and df.
package system
