-- Argo CD health of a KubeRay RayCluster (ray.io/v1), KubeRay 1.1 to 1.7.
-- Reads the status conditions the operator writes while its RayClusterStatusConditions
-- feature gate is on (the default since KubeRay 1.2), and the deprecated status.state when
-- the gate is off or the status predates conditions.
-- Runs without the Lua standard library, as Argo CD runs argocd-cm scripts.
local hs = {}

local function find_condition(conditions, condition_type)
  for _, condition in ipairs(conditions) do
    if condition.type == condition_type then
      return condition
    end
  end
  return nil
end

local function is_true(condition)
  return condition ~= nil and condition.status == "True"
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  if condition.message ~= nil and condition.message ~= "" then
    return condition.reason .. ": " .. condition.message
  end
  return condition.reason
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the KubeRay operator to report the RayCluster's status"
  return hs
end

local suspend_requested = obj.spec ~= nil and obj.spec.suspend == true
local failed = false
local failure_message = "RayCluster failed"
local suspended = false
local suspending = false
local ready = false
local waiting_message = "Waiting for the Ray Pods to be running"

local conditions = status.conditions
if conditions ~= nil and #conditions > 0 then
  local replica_failure = find_condition(conditions, "ReplicaFailure")
  local head_pod_ready = find_condition(conditions, "HeadPodReady")
  local provisioned = find_condition(conditions, "RayClusterProvisioned")
  failed = is_true(replica_failure)
  failure_message = describe(replica_failure, failure_message)
  suspended = is_true(find_condition(conditions, "RayClusterSuspended"))
  suspending = is_true(find_condition(conditions, "RayClusterSuspending"))
  -- RayClusterProvisioned turns True once, when every Pod is first ready, and False again
  -- only on suspension; HeadPodReady follows the head Pod's Ready condition.
  ready = is_true(head_pod_ready) and (provisioned == nil or is_true(provisioned))
  if is_true(head_pod_ready) then
    waiting_message = describe(provisioned, waiting_message)
  else
    waiting_message = describe(head_pod_ready, "Waiting for the head Pod to be ready")
  end
else
  -- No conditions: the RayClusterStatusConditions gate is off, or the status predates it.
  -- state "failed" was last written by KubeRay 1.1, with the cause in status.reason.
  failed = status.state == "failed"
  if status.reason ~= nil and status.reason ~= "" then
    failure_message = "RayCluster failed: " .. status.reason
  end
  suspended = status.state == "suspended"
  ready = status.state == "ready"
end

if failed then
  hs.status = "Degraded"
  hs.message = failure_message
elseif suspended and suspend_requested then
  hs.status = "Suspended"
  hs.message = "RayCluster is suspended: all its Pods are deleted"
elseif suspended then
  hs.status = "Progressing"
  hs.message = "RayCluster is resuming: spec.suspend is false"
elseif suspending or suspend_requested then
  hs.status = "Progressing"
  hs.message = "RayCluster is suspending: deleting its Pods"
elseif ready then
  hs.status = "Healthy"
  hs.message = "The head Pod is ready"
else
  hs.status = "Progressing"
  hs.message = waiting_message
end
return hs
