package rbac

import (
	"slices"
	"strings"
)

// The roles aomas ships with. Role names are also Casbin subjects: a user holds a role in a
// project through a grouping rule (g, user:ID, role, project).
const (
	RoleAdmin      = "admin"
	RoleMLEngineer = "ml_engineer"
	RoleResearcher = "researcher"
	RoleTech       = "tech"
	RoleLabeler    = "labeler"
	RoleScanner    = "scanner"
)

// Actions: reads are queries, type fields and subscriptions; writes are mutations.
const (
	ActRead  = "read"
	ActWrite = "write"
)

// AllProjects is the domain that stands for every project, in grants and in role permissions.
const AllProjects = "*"

// Roles returns the built-in roles, most powerful first.
func Roles() []string {
	return []string{RoleAdmin, RoleMLEngineer, RoleResearcher, RoleTech, RoleLabeler, RoleScanner}
}

// Permission is one thing a role may do: an action on a GraphQL coordinate (or a pattern,
// "Type.*" or "*").
type Permission struct {
	Object string
	Action string
}

// Rule is one line of the default policy: role may do Action on Object in every project.
type Rule struct {
	Role string
	Permission
}

// sensitivePatterns are the coordinates a wildcard never reaches: a role sees them only when
// a rule names them (or the pattern itself, e.g. "SubjectIdentity.*"), or holds "*".
// Health data: identities, original files (DICOM headers carry names), weights, e-mail
// addresses and the audit trail.
var sensitivePatterns = [...]string{
	"Subject.identity",
	"SubjectIdentity.*",
	"Volume.downloadUrl",
	"ModelVersion.weightsUrl",
	"User.email",
	"AuditEntry.*",
	"Query.auditLog",
}

// SensitivePatterns returns the coordinates (or "Type.*" patterns) that only an explicit
// rule grants.
func SensitivePatterns() []string { return slices.Clone(sensitivePatterns[:]) }

// IsSensitive reports whether coordinate obj is one that only an explicit rule grants.
func IsSensitive(obj string) bool {
	return sensitiveCover(obj) != ""
}

// sensitiveCover returns the sensitive pattern that covers obj, or "".
func sensitiveCover(obj string) string {
	for _, s := range sensitivePatterns {
		if s == obj {
			return s
		}
		if prefix, ok := strings.CutSuffix(s, "*"); ok && strings.HasPrefix(obj, prefix) {
			return s
		}
	}
	return ""
}

// coordMatch reports whether policy object pat grants request object req. "*" grants
// everything; "Type.*" grants Type's fields except sensitive ones, unless the pattern is
// itself the sensitive pattern; anything else must be equal.
func coordMatch(req, pat string) bool {
	if pat == req || pat == "*" {
		return true
	}
	prefix, ok := strings.CutSuffix(pat, "*")
	if !ok || !strings.HasSuffix(prefix, ".") || !strings.HasPrefix(req, prefix) {
		return false
	}
	cover := sensitiveCover(req)
	return cover == "" || cover == pat
}

// Root fields, grouped as the default policy hands them out. Root fields are always
// named: a new query or mutation is the admin's alone until a rule grants it.
var (
	publicReads = []string{"Query.health", "Query.version", "Subscription.healthChanged"}
	dataQueries = []string{"Query.node", "Query.case", "Query.cases", "Query.volume", "Query.run", "Query.runs", "Query.metrics", "Query.label",
		"Query.metricCatalog", "Query.metricTable", "Query.metricTableCsv"}
	opsQueries    = []string{"Query.queues", "Query.workers"}
	registry      = []string{"Query.models"}
	runWatch      = []string{"Subscription.runProgress", "Subscription.runsChanged"}
	runMutations  = []string{"Mutation.startRun", "Mutation.cancelRun", "Mutation.retryRun"}
	scanMutations = []string{"Mutation.createCase", "Mutation.uploadVolume", "Mutation.requestVolumeUpload", "Mutation.completeVolumeUpload"}
	labelEdits    = []string{"Mutation.saveLabel", "Mutation.submitLabel", "Mutation.saveLayerBoundary"}
	// Every role lists and revokes its own API tokens (revoking another user's is for an
	// admin of the token's project, decided by the resolver), and reads the names of the
	// accounts it meets (a label's authors, a token's holder) but not their e-mail addresses.
	ownTokens    = []string{"Query.myTokens", "ApiToken.*", "User.id", "User.displayName"}
	ownTokenEdit = "Mutation.revokeToken"
	// Archiving and correcting what was ingested wrongly: the technician's (and admin's).
	caseEdits = []string{"Mutation.archiveVolume", "Mutation.archiveCase", "Mutation.updateCase"}
	// The analyst's table and the metric catalog.
	tableTypes = []string{"MetricInfo", "MetricModalityMeaning", "MetricTable", "MetricTableRow", "MetricTableCell"}
	// Retinal layers of OCT runs: boundaries, corrections, thickness maps, slabs.
	layerTypes = []string{"LayerBoundary", "LayerPoint", "LayerCorrection", "ThicknessMap", "Slab"}
	// The calling AE titles allowed to push DICOM into a project (changed by admins only).
	dicomPeerReads = []string{"Query.dicomPeers", "DicomPeer.*"}
	// The work queue, for whoever labels or reviews (assigning volumes is the technician's).
	workQueue = []string{"Query.myWork"}
	// Exports: one's own list and progress, for whoever may export.
	exportFields = []string{"Query.exports", "Query.export", "Subscription.exportProgress"}
	exportTypes  = []string{"Export", "ExportFile"}
	// The model registry (issue 16): reports for the analysts and ML engineers; registering,
	// evaluating and promoting for ML engineers; gate policies and webhooks for admins only.
	registryReads = []string{"Query.datasets", "Query.dataset", "Query.evaluation", "Query.gatePolicies",
		"Query.productionHistory", "Query.shadowReport", "Query.drift", "Subscription.evaluationProgress"}
	registryWrites = []string{"Mutation.registerModelVersion", "Mutation.createDataset", "Mutation.addToDataset",
		"Mutation.evaluateModel", "Mutation.promoteModelVersion", "Mutation.rollbackModel"}
	registryTypes = []string{"Dataset", "DatasetItem", "Evaluation", "EvaluationItem", "DetectionScores", "Estimate",
		"GateResult", "GatePolicy", "StageChange", "ProductionInterval", "ShadowAgreement", "ShadowReport",
		"DriftFeature", "DriftPoint", "DriftReport"}

	// Types whose non-sensitive fields every data role reads.
	dataTypes = []string{"Case", "Subject", "Volume", "VolumeSlice", "Dims", "Spacing", "Run", "RunStep", "RunProgress", "Mask",
		"Metric", "QCFlag", "Label", "LabelEvent", "PageInfo", "CaseConnection", "CaseEdge", "RunConnection", "RunEdge",
		"MetricConnection", "MetricEdge", "Health", "ServiceHealth", "BuildInfo", "FibreOrientation", "ScalarGrid",
		"DeviceCalibration", "MetricInfo", "MetricModalityMeaning", "MetricTable", "MetricTableRow", "MetricTableCell", "WorkQueue", "WorkItem", "ReviewRegion", "Point", "User", "CellDistributions", "Histogram",
		"Segmentation", "DetectorUse",
		"LayerBoundary", "LayerPoint", "LayerCorrection", "ThicknessMap", "Slab"}
	modelTypes = []string{"Model", "ModelVersion"}

	opsTypes     = []string{"QueueStats", "Worker", "WorkerTask"}
	uploadTypes  = []string{"CreateCasePayload", "UploadVolumePayload", "VolumeUploadTicket", "SetVolumeCalibrationPayload"}
	labelerTypes = []string{"Case", "Subject", "Volume", "VolumeSlice", "Dims", "Spacing", "Run", "RunStep", "RunProgress", "Mask",
		"QCFlag", "Label", "LabelEvent", "PageInfo", "CaseConnection", "CaseEdge", "RunConnection", "RunEdge", "Health",
		"ServiceHealth", "BuildInfo", "FibreOrientation", "ScalarGrid", "DeviceCalibration", "WorkQueue", "WorkItem", "ReviewRegion", "Point", "User",
		"Segmentation", "DetectorUse",
		"LayerBoundary", "LayerPoint", "LayerCorrection", "ThicknessMap", "Slab"}
	// What a scanner reads of its own uploads' results, and no field that leads elsewhere
	// (Volume.case, Case.subject, Case.volumes …), so that a payload is not a way into other cases.
	scannerFields = []string{"CreateCasePayload.case", "UploadVolumePayload.volume", "UploadVolumePayload.duplicate",
		"VolumeUploadTicket.*", "Case.id", "Case.eye", "Case.createdAt", "Volume.id", "Volume.status", "Volume.sha256",
		"Volume.sizeBytes", "Volume.errorCode", "Volume.error", "Volume.createdAt", "Volume.volumeKind", "Volume.volumeKindSource"}
)

// DefaultPolicy returns the rules seeded into a new database (every project):
//
//   - admin: everything.
//   - ml_engineer: reads cases, runs, metrics, models, queues and workers, original files and
//     model weights; starts, cancels and retries runs. Never a subject's identity.
//   - researcher: reads cases, runs and metrics (pseudonymous), starts, cancels and retries
//     runs. No original files (their headers identify people), no weights, no identity.
//   - tech: the scanner-side clinician: creates cases, uploads, reads everything about the
//     data including the subject's identity and the original files, starts runs, sets a
//     volume's pixel size (setVolumeCalibration, which re-runs metrics), corrects and
//     archives cases and volumes.
//   - labeler: reads cases, volumes, runs, masks and labels to correct cone points and
//     layer boundaries, saves and submits labels; never SubjectIdentity.*, Subject.identity or the original files.
//   - reviewing a label (approve / return) is for ml_engineer and tech (and admin).
//   - myWork (the work queue) is for those who label or review; labelers and assignVolume
//     (giving a volume to a labeler) are the technician's.
//   - the DICOM allow list (dicomPeers): tech reads it; allowDicomPeer and removeDicomPeer
//     are the admin's. DICOMweb STOW-RS asks for uploadVolume, QIDO-RS for cases.
//   - exports (exportMetrics) are the analysts' (researcher, ml_engineer) and admin's;
//     exportMarks also the labeler's; identity goes into an export only for a caller who
//     may read SubjectIdentity (so never a labeler's). importMarks is for those who edit
//     labels (labeler, tech, ml_engineer).
//   - the model registry: ml_engineer registers, evaluates, promotes and rolls back model
//     versions and reads every report; researcher reads the reports (which version made a
//     run's numbers, evaluations, drift); gate policies and webhooks are the admin's.
//   - scanner: createCase, uploadVolume, requestVolumeUpload, completeVolumeUpload and no
//     other root field; of types, only what those mutations return about the upload itself.
func DefaultPolicy() []Rule {
	var out []Rule
	add := func(role, act string, objs ...string) {
		for _, o := range objs {
			out = append(out, Rule{Role: role, Permission: Permission{Object: o, Action: act}})
		}
	}
	types := func(ts ...string) []string {
		o := make([]string, len(ts))
		for i, t := range ts {
			o[i] = t + ".*"
		}
		return o
	}

	add(RoleAdmin, "*", "*")
	for _, role := range Roles()[1:] {
		add(role, ActRead, ownTokens...)
		add(role, ActWrite, ownTokenEdit)
	}

	add(RoleMLEngineer, ActRead, publicReads...)
	add(RoleMLEngineer, ActRead, dataQueries...)
	add(RoleMLEngineer, ActRead, opsQueries...)
	add(RoleMLEngineer, ActRead, registry...)
	add(RoleMLEngineer, ActRead, runWatch...)
	add(RoleMLEngineer, ActWrite, runMutations...)
	add(RoleMLEngineer, ActWrite, "Mutation.reviewLabel")
	add(RoleMLEngineer, ActRead, workQueue...)
	add(RoleMLEngineer, ActRead, types(dataTypes...)...)
	add(RoleMLEngineer, ActRead, types(modelTypes...)...)
	add(RoleMLEngineer, ActRead, types(opsTypes...)...)
	add(RoleMLEngineer, ActRead, "Volume.downloadUrl", "ModelVersion.weightsUrl")
	add(RoleMLEngineer, ActWrite, "Mutation.exportMetrics", "Mutation.exportMarks", "Mutation.importMarks")
	add(RoleMLEngineer, ActRead, exportFields...)
	add(RoleMLEngineer, ActRead, types(exportTypes...)...)
	add(RoleMLEngineer, ActRead, registryReads...)
	add(RoleMLEngineer, ActWrite, registryWrites...)
	add(RoleMLEngineer, ActRead, types(registryTypes...)...)

	add(RoleResearcher, ActRead, publicReads...)
	add(RoleResearcher, ActRead, dataQueries...)
	add(RoleResearcher, ActRead, runWatch...)
	add(RoleResearcher, ActRead, registry...)
	add(RoleResearcher, ActWrite, runMutations...)
	add(RoleResearcher, ActRead, types(dataTypes...)...)
	add(RoleResearcher, ActRead, types(modelTypes...)...)
	add(RoleResearcher, ActWrite, "Mutation.exportMetrics", "Mutation.exportMarks")
	add(RoleResearcher, ActRead, exportFields...)
	add(RoleResearcher, ActRead, types(exportTypes...)...)
	add(RoleResearcher, ActRead, registryReads...)
	add(RoleResearcher, ActRead, types(registryTypes...)...)

	add(RoleTech, ActRead, publicReads...)
	add(RoleTech, ActRead, dataQueries...)
	add(RoleTech, ActRead, runWatch...)
	add(RoleTech, ActWrite, scanMutations...)
	add(RoleTech, ActWrite, runMutations...)
	add(RoleTech, ActWrite, caseEdits...)
	add(RoleTech, ActWrite, "Mutation.reviewLabel")
	add(RoleTech, ActWrite, "Mutation.setVolumeCalibration")
	add(RoleTech, ActWrite, "Mutation.importMarks")
	add(RoleTech, ActRead, workQueue...)
	add(RoleTech, ActRead, "Query.labelers")
	add(RoleTech, ActWrite, "Mutation.assignVolume")
	add(RoleTech, ActRead, types(dataTypes...)...)
	add(RoleTech, ActRead, types(uploadTypes...)...)
	add(RoleTech, ActRead, "Subject.identity", "SubjectIdentity.*", "Volume.downloadUrl")
	add(RoleTech, ActRead, dicomPeerReads...)

	add(RoleLabeler, ActRead, publicReads...)
	add(RoleLabeler, ActRead, "Query.node", "Query.case", "Query.cases", "Query.volume", "Query.run", "Query.runs", "Query.label")
	add(RoleLabeler, ActWrite, labelEdits...)
	add(RoleLabeler, ActRead, workQueue...)
	add(RoleLabeler, ActRead, "Subscription.runProgress")
	add(RoleLabeler, ActRead, types(labelerTypes...)...)
	add(RoleLabeler, ActWrite, "Mutation.exportMarks", "Mutation.importMarks")
	add(RoleLabeler, ActRead, exportFields...)
	add(RoleLabeler, ActRead, types(exportTypes...)...)

	add(RoleScanner, ActWrite, scanMutations...)
	add(RoleScanner, ActRead, scannerFields...)
	return out
}
