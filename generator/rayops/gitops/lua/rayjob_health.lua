-- Argo CD health of a KubeRay RayJob (ray.io/v1), KubeRay 1.1 to 1.7.
-- status.jobDeploymentStatus is the RayJob's lifecycle: "" (new), Initializing, Running,
-- Complete, Failed, ValidationFailed (since 1.5), Suspending, Suspended, Retrying, Waiting.
-- Runs without the Lua standard library, as Argo CD runs argocd-cm scripts.
local hs = {}

local status = obj.status
local deployment_status = nil
if status ~= nil then
  deployment_status = status.jobDeploymentStatus
end

local function failure_message(prefix)
  local message = prefix
  if status.reason ~= nil and status.reason ~= "" then
    message = message .. ": " .. status.reason
  end
  if status.message ~= nil and status.message ~= "" then
    message = message .. ": " .. status.message
  end
  return message
end

if deployment_status == nil or deployment_status == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to start the RayJob"
elseif deployment_status == "Complete" then
  hs.status = "Healthy"
  hs.message = "RayJob is complete"
  if status.jobStatus ~= nil and status.jobStatus ~= "" then
    hs.message = "RayJob is complete: the Ray job is " .. status.jobStatus
  end
elseif deployment_status == "Failed" then
  hs.status = "Degraded"
  hs.message = failure_message("RayJob failed")
elseif deployment_status == "ValidationFailed" then
  hs.status = "Degraded"
  hs.message = failure_message("RayJob spec is invalid")
elseif deployment_status == "Suspended" then
  hs.status = "Suspended"
  hs.message = "RayJob is suspended: its RayCluster is deleted"
else
  hs.status = "Progressing"
  hs.message = "RayJob is " .. deployment_status
  if status.jobStatus ~= nil and status.jobStatus ~= "" then
    hs.message = hs.message .. ": the Ray job is " .. status.jobStatus
  end
end
return hs
