-- Argo CD action discovery for a KubeRay RayJob: suspend and resume through spec.suspend.
-- The KubeRay operator (1.1 to 1.7) moves only an Initializing or Running RayJob to
-- Suspending, and rejects spec.suspend (status ValidationFailed) unless
-- shutdownAfterJobFinishes is true and no clusterSelector names an existing RayCluster.
-- Both actions stay disabled when Kueue admits the RayJob (label kueue.x-k8s.io/queue-name)
-- or another controller manages it (spec.managedBy): they own spec.suspend.
local actions = {}
actions["suspend"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-pause", ["displayName"] = "Suspend"}
actions["resume"] = {["disabled"] = true, ["iconClass"] = "fa fa-fw fa-play", ["displayName"] = "Resume"}

local metadata = obj.metadata or {}
local spec = obj.spec or {}
local controlled_elsewhere = false
if metadata.labels ~= nil and metadata.labels["kueue.x-k8s.io/queue-name"] ~= nil then
  controlled_elsewhere = true
end
if spec.managedBy ~= nil and spec.managedBy ~= "ray.io/kuberay-operator" then
  controlled_elsewhere = true
end
if controlled_elsewhere then
  return actions
end

if spec.suspend == true then
  actions["resume"]["disabled"] = false
  return actions
end

local uses_existing_cluster = false
if spec.clusterSelector ~= nil then
  for _, _ in pairs(spec.clusterSelector) do
    uses_existing_cluster = true
  end
end
local deployment_status = nil
if obj.status ~= nil then
  deployment_status = obj.status.jobDeploymentStatus
end
local suspendable_status = deployment_status == nil or deployment_status == ""
  or deployment_status == "Initializing" or deployment_status == "Running"
if spec.shutdownAfterJobFinishes == true and not uses_existing_cluster and suspendable_status then
  actions["suspend"]["disabled"] = false
end
return actions
