-- Argo CD health of a KubeRay RayService (ray.io/v1), KubeRay 1.1 to 1.7.
-- Since KubeRay 1.3 the operator writes the conditions Ready and UpgradeInProgress, then
-- RollbackInProgress (1.6), Suspending and Suspended (1.7); a status written by an older
-- operator has only status.serviceStatus ("Running" when it serves).
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
  hs.message = "Waiting for the KubeRay operator to report the RayService's status"
  return hs
end

local conditions = status.conditions
if conditions ~= nil and #conditions > 0 then
  local ready = find_condition(conditions, "Ready")
  local failed = ready ~= nil and ready.status == "False"
    and (ready.reason == "InitializingTimeout" or ready.reason == "ValidationFailed")
  if failed then
    hs.status = "Degraded"
    hs.message = describe(ready, "RayService failed")
  elseif is_true(find_condition(conditions, "Suspended")) then
    hs.status = "Suspended"
    hs.message = "RayService is suspended: its RayClusters and Services are deleted"
  elseif is_true(find_condition(conditions, "Suspending")) then
    hs.status = "Progressing"
    hs.message = "RayService is suspending: deleting its RayClusters and Services"
  elseif is_true(find_condition(conditions, "UpgradeInProgress")) then
    hs.status = "Progressing"
    hs.message = describe(find_condition(conditions, "UpgradeInProgress"), "Upgrade in progress")
  elseif is_true(find_condition(conditions, "RollbackInProgress")) then
    hs.status = "Progressing"
    hs.message = describe(find_condition(conditions, "RollbackInProgress"), "Rollback in progress")
  elseif is_true(ready) then
    hs.status = "Healthy"
    hs.message = describe(ready, "RayService is ready")
  else
    hs.status = "Progressing"
    hs.message = describe(ready, "Waiting for the Serve applications to be ready")
  end
  return hs
end

-- No conditions: a status written before KubeRay 1.3, or not yet computed.
if status.serviceStatus == "Running" then
  hs.status = "Healthy"
  hs.message = "RayService is running"
elseif status.serviceStatus ~= nil and status.serviceStatus ~= "" then
  hs.status = "Progressing"
  hs.message = "RayService is " .. status.serviceStatus
else
  hs.status = "Progressing"
  hs.message = "Waiting for the Serve applications to be ready"
end
return hs
