package db

// Node is a row that GraphQL exposes under a global id; NodeType is its GraphQL type name.
type Node interface {
	NodeType() string
	NodeID() int64
}

func (Subject) NodeType() string      { return "Subject" }
func (Case) NodeType() string         { return "Case" }
func (Volume) NodeType() string       { return "Volume" }
func (Run) NodeType() string          { return "Run" }
func (Metric) NodeType() string       { return "Metric" }
func (Label) NodeType() string        { return "Label" }
func (Model) NodeType() string        { return "Model" }
func (ModelVersion) NodeType() string { return "ModelVersion" }

func (r Subject) NodeID() int64      { return r.ID }
func (r Case) NodeID() int64         { return r.ID }
func (r Volume) NodeID() int64       { return r.ID }
func (r Run) NodeID() int64          { return r.ID }
func (r Metric) NodeID() int64       { return r.ID }
func (r Label) NodeID() int64        { return r.ID }
func (r Model) NodeID() int64        { return r.ID }
func (r ModelVersion) NodeID() int64 { return r.ID }
