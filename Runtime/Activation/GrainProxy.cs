using System.Collections.Concurrent;
using System.Reflection;

namespace Personalization.Runtime.Activation;

/// <summary>
/// A grain reference: implements the grain interface and turns each call into a turn on the grain's
/// activation. (Orleans generates these at build time; a DispatchProxy keeps the same programming model.)
/// </summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<GrainRuntime, GrainId, object?[], object>> Invokers = new();
    private static readonly MethodInfo InvokeTyped = typeof(GrainProxy).GetMethod(nameof(InvokeTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private GrainRuntime? _runtime;
    private GrainId _grainId;

    /// <summary>The grain this reference points at.</summary>
    public GrainId GrainId => _grainId;

    internal static TGrain Create<TGrain>(GrainRuntime runtime, GrainId grainId)
    {
        var proxy = DispatchProxy.Create<TGrain, GrainProxy>();
        var self = (GrainProxy)(object)proxy!;
        self._runtime = runtime;
        self._grainId = grainId;
        return proxy;
    }

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var invoker = Invokers.GetOrAdd(targetMethod, BuildInvoker);
        return invoker(_runtime!, _grainId, args ?? []);
    }

    private static Func<GrainRuntime, GrainId, object?[], object> BuildInvoker(MethodInfo method)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
            return (runtime, id, args) => runtime.InvokeAsync(id, method.Name, async grain =>
            {
                await Call<Task>(method, grain, args).ConfigureAwait(false);
                return true;
            }, FindToken(args));
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var typed = InvokeTyped.MakeGenericMethod(returnType.GetGenericArguments()[0]);
            var call = typed.CreateDelegate<Func<GrainRuntime, GrainId, MethodInfo, object?[], object>>();
            return (runtime, id, args) => call(runtime, id, method, args);
        }
        throw new NotSupportedException($"Grain method {method.DeclaringType}.{method.Name} must return Task or Task<T>.");
    }

    private static object InvokeTypedAsync<T>(GrainRuntime runtime, GrainId id, MethodInfo method, object?[] args) =>
        runtime.InvokeAsync(id, method.Name, grain => Call<Task<T>>(method, grain, args), FindToken(args));

    private static TTask Call<TTask>(MethodInfo method, Grain grain, object?[] args) where TTask : Task
    {
        try
        {
            return (TTask)method.Invoke(grain, args)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private static CancellationToken FindToken(object?[] args)
    {
        foreach (var arg in args)
            if (arg is CancellationToken token) return token;
        return CancellationToken.None;
    }
}
