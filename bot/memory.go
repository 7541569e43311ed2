package bot

import (
	"container/list"
	"sync"
)

// memory keeps sessions without consent to store them: in this process
// only, least recently used dropped first when full.
type memory struct {
	mu    sync.Mutex
	limit int
	order *list.List
	items map[string]*list.Element
}

type memItem struct {
	key  string
	sess Session
}

func newMemory(limit int) *memory {
	return &memory{limit: limit, order: list.New(), items: map[string]*list.Element{}}
}

// get returns a copy of the session under key, or nil.
func (m *memory) get(key string) *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[key]; ok {
		m.order.MoveToFront(e)
		s := e.Value.(*memItem).sess
		return &s
	}
	return nil
}

func (m *memory) put(key string, s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[key]; ok {
		e.Value.(*memItem).sess = *s
		m.order.MoveToFront(e)
		return
	}
	m.items[key] = m.order.PushFront(&memItem{key: key, sess: *s})
	for m.order.Len() > m.limit {
		last := m.order.Back()
		m.order.Remove(last)
		delete(m.items, last.Value.(*memItem).key)
	}
}

func (m *memory) del(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[key]; ok {
		m.order.Remove(e)
		delete(m.items, key)
	}
}

// Len returns how many sessions are in memory.
func (m *memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
