// Package adapters holds proactief's channel adapters: terminal (a chat on
// stdin and stdout), telegram and mattermost. Each turns its channel's
// messages into bot.Inbound values and sends the replies back; none of them
// knows about the dialogue or the store.
package adapters
